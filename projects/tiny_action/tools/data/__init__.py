"""Dataset validation behind ``tools/data/validate_data.py``."""
