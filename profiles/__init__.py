"""Built-in profiles shipped inside the devkit wheel (data only)."""
