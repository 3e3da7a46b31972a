"""Load the 重大事故隐患判定标准 items from data/hazards (reference data)."""

from django.db import migrations


def load(apps, schema_editor):
    from yingji.hazards import criteria

    criteria.load(apps.get_model("hazards", "Criterion"))


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
