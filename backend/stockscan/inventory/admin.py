from django.contrib import admin

from stockscan.inventory.models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "tenant"]
    search_fields = ["name", "tenant__name"]
    list_select_related = ["service", "tenant"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "tenant", "barcode", "sku", "unit", "purchase_price", "archived"]
    list_filter = ["archived", "unit"]
    search_fields = ["name", "barcode", "sku", "tenant__name"]
    list_select_related = ["service", "tenant"]
    raw_id_fields = ["category", "created_by"]
