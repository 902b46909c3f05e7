from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Наставничество"

    def ready(self):
        from core.access import register_assignment_provider
        from core.roles import Role

        from . import demo  # noqa: F401  (the demo step)
        from .access import mentor_reach, tutor_reach

        register_assignment_provider(Role.MENTOR, mentor_reach)
        register_assignment_provider(Role.TUTOR, tutor_reach)
