from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from stockscan.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("StockScan", {"fields": ("language",)}))
    list_display = ["username", "email", "is_active", "is_staff", "last_login", "date_joined"]
