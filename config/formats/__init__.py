"""Our additions to Django's locale formats (FORMAT_MODULE_PATH): only what Django's own lack.
Every other format falls through to Django's module for the language."""
