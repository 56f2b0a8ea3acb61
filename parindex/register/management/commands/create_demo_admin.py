from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse


class Command(BaseCommand):
    help = "Create (or reset) the quick start's admin account and print its credentials. DEBUG only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="The port `make run` serves on (PORT=...), for the login address printed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("create_demo_admin is for the quick start only (DJANGO_DEBUG=1).")
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(username="admin")
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo admin account / Tài khoản quản trị demo:\n"
                f"  username / tên đăng nhập: admin\n  password / mật khẩu: {password}\n"
                f"  http://127.0.0.1:{port}{reverse('login')}"
            )
        )
