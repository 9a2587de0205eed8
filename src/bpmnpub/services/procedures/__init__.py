"""Procedures: deploying process versions, the process library and its modeler, what a form starts from,
and the recurring duties that call for a procedure each period (duties, duty_periods)."""
