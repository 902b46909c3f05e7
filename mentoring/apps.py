from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Наставничество"

    def ready(self):
        from core.access import register_assignment_provider
        from core.navigation import allowed, holds_role_personally, register_menu_entry
        from core.people import register_tutor_finder
        from core.roles import Role
        from schools.models import School

        from . import audit, panels
        from .access import mentor_reach, teacher_tutor, tutor_reach

        register_assignment_provider(Role.MENTOR, mentor_reach)
        register_assignment_provider(Role.TUTOR, tutor_reach)
        register_tutor_finder(teacher_tutor)
        register_menu_entry(
            order=80,
            title="Моё наставничество",
            url_name="mentoring:my",
            shown=holds_role_personally(Role.MENTOR, Role.TUTOR),
        )
        register_menu_entry(
            order=90, title="Наставничество", url_name="mentoring:index", shown=allowed(School)
        )

        audit.register()
        panels.register()
