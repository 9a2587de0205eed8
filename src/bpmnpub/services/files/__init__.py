"""Stored files: uploads checked and stored once per sha256, photos cleaned, who may read a file, and the
cleanup of uploads nothing refers to."""
