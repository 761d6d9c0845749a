"""Small widgets with their own CSS."""
