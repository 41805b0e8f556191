from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "보상 정책"

    def ready(self) -> None:
        from config.roles import sync_roles_after_migrate

        # Only once per migrate run: sent for this app, after every app has migrated.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
