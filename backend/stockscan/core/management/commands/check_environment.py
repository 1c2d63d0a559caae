"""Checks this shell's environment as production would see it: the secrets every process
needs, and for each optional integration that is switched on, the variables it needs."""

from django.core.management.base import BaseCommand, CommandError

from config import env
from config.settings.production import production_configuration_problems

# integration → (how it is switched on, the variables it then needs)
INTEGRATIONS: dict[str, tuple[str, list[str]]] = {
    "Stripe billing": (
        "STRIPE_API_KEY",
        [
            "STRIPE_WEBHOOK_SECRET",
            "STRIPE_SUCCESS_URL",
            "STRIPE_CANCEL_URL",
            "STRIPE_PRICE_BOUTIQUE_MONTHLY",
            "STRIPE_PRICE_BOUTIQUE_YEARLY",
            "STRIPE_PRICE_PRO_MONTHLY",
            "STRIPE_PRICE_PRO_YEARLY",
        ],
    ),
    "SendGrid email": ("SENDGRID_API_KEY", ["SENDGRID_FROM_EMAIL"]),
    "AI assistant": ("AI_ENABLED", ["OPENAI_API_KEY"]),
}


def integration_problems() -> list[str]:
    problems = []
    for name, (switch, needed) in INTEGRATIONS.items():
        enabled = env.boolean(switch) if switch == "AI_ENABLED" else env.is_set(switch)
        if enabled:
            problems += [f"{variable} (needed by {name})" for variable in needed if not env.is_set(variable)]
    return problems


class Command(BaseCommand):
    help = "Fails, naming each variable, when the production environment is incomplete."

    def handle(self, *args, **options):
        problems = production_configuration_problems()
        if env.boolean("DJANGO_DEBUG"):
            problems.append("DJANGO_DEBUG must be false in production")
        problems += integration_problems()
        if problems:
            raise CommandError("Production environment incomplete: " + "; ".join(problems) + ".")
        self.stdout.write(self.style.SUCCESS("Production environment complete."))
