"""A bench-only tenant app (`make bench-scale`): its one migration is the "new tenant migration"
applied to every organisation schema. Never installed outside bench/settings_scale.py."""
