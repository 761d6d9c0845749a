"""Devcontainer rendering, image build, container lifecycle and host trust."""
