"""syncready: know, user by user, what Entra directory synchronization will do before turning it on."""

__version__ = "0.1.0"
