"""Pages of the credit part of enforcement: safety codes (安全码), credit and 信用修复."""

from django.urls import path

from yingji.enforcement import credit_views as views

urlpatterns = [
    path("codes/", views.code_list, name="enforcement-codes"),
    path("codes/repairs/", views.repair_list, name="enforcement-repairs"),
    path("codes/<int:pk>/", views.code_detail, name="enforcement-code-detail"),
    path("codes/<int:pk>/card/", views.code_card, name="enforcement-code-card"),
    path("codes/<int:pk>/refresh/", views.code_refresh, name="enforcement-code-refresh"),
    path("codes/<int:pk>/repair/", views.repair_apply, name="enforcement-code-repair"),
    path(
        "codes/<int:pk>/repairs/<int:repair_pk>/decide/",
        views.repair_decide,
        name="enforcement-repair-decide",
    ),
]
