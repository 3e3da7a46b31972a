"""复盘 report pages; included from :mod:`yingji.review.urls` under ``reports/``."""

from django.urls import path

from yingji.review import report_views as views

urlpatterns = [
    path("", views.reports, name="review-reports"),
    path("view/", views.report_page, name="review-report"),
    path("report.docx", views.report_docx, name="review-report-docx"),
    path("report.pdf", views.report_pdf, name="review-report-pdf"),
    path("report.xlsx", views.report_xlsx, name="review-report-xlsx"),
]
