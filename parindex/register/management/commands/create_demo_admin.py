from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or reset) the quick start's admin account and print its credentials. DEBUG only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("create_demo_admin is for the quick start only (DJANGO_DEBUG=1).")
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
                "  http://127.0.0.1:8000/tai-khoan/dang-nhap/"
            )
        )
