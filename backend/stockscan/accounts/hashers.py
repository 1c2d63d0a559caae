"""How passwords are stored."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with the OWASP Password Storage Cheat Sheet's parameters (19 MiB of memory,
    2 iterations, 1 lane): Django's defaults (100 MiB, 8 lanes) cost a login several hundred
    milliseconds on a small instance. Hashes made with other parameters or older hashers are
    rewritten at the next successful login (Django's `check_password` setter)."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
