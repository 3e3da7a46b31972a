"""A cheap Argon2 for the test suite: the same algorithm and stored format, minimal cost.

Production hashing (Argon2 at Django's defaults, ~0.1 GB and tens of milliseconds per
password) would spend most of a fixture's time creating users.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
