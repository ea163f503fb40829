"""What other domains keep about a learner, reached without learners importing them.

The surveys and the session documents hold a learner's address and answers; they import
learners, so learners cannot import them back (docs/decisions/0016). They connect here instead:
- `learner_exporting`: sent with `learner`; each receiver returns a dict of sections added to
  the learner's export (GDPR art. 15);
- `learner_anonymising`: sent with `learner` inside the anonymisation's transaction; each
  receiver erases what identifies the person in its own tables (GDPR art. 17).
"""

from __future__ import annotations

from django.dispatch import Signal

learner_exporting = Signal()
learner_anonymising = Signal()
