"""Applications without a business number dedupe on (program, segment, account id).

Rows filed before this rule that repeat an applicant are linked to the applicant's first
application (status `duplicate`), so the unique partial index can be built; their history
keeps what was decided at the time.
"""

from django.conf import settings
from django.db import migrations, models

RELINK = """
UPDATE claims_reliefapplication
SET status = 'duplicate', duplicate_of_id = f.first_id
FROM (
    SELECT id, min(id) OVER (PARTITION BY program_id, segment, applicant_external_id) AS first_id
    FROM claims_reliefapplication
    WHERE duplicate_of_id IS NULL AND business_number = ''
) AS f
WHERE claims_reliefapplication.id = f.id AND f.first_id <> f.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_claim_incident_link"),
        ("policies", "0020_relief_program_insurance_line"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(RELINK, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="reliefapplication",
            constraint=models.UniqueConstraint(
                condition=models.Q(("duplicate_of__isnull", True), ("business_number", "")),
                fields=("program", "segment", "applicant_external_id"),
                name="reliefapp_one_original_per_applicant",
                violation_error_message="이 프로그램에 같은 신청인의 신청이 이미 있습니다.",
            ),
        ),
    ]
