"""The task result cache (local store, Turborepo remote) and CI sharding: docs/cache.md."""
