"""Data: the credentials guard, S3 sync, manifests, schemas and synthetic generation."""
