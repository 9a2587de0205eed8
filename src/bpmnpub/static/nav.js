// The staff menus (base.html) are <details>: they open and close without this script. It only makes
// them behave like menus: one open at a time, closed by Escape (focus back on its button) or by a
// click elsewhere on the page.
(() => {
  const menus = [...document.querySelectorAll('.nav-menu')];
  for (const menu of menus) {
    menu.addEventListener('toggle', () => {
      if (menu.open) menus.filter((other) => other !== menu).forEach((other) => { other.open = false; });
    });
  }
  document.addEventListener('keydown', (event) => {
    const open = menus.find((menu) => menu.open);
    if (event.key === 'Escape' && open) {
      open.open = false;
      open.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (event) => {
    menus.filter((menu) => menu.open && !menu.contains(event.target)).forEach((menu) => { menu.open = false; });
  });
})();
