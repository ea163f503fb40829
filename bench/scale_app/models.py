from django.db import models


class ScaleProbe(models.Model):
    """A small table, as a new feature's first migration would add."""

    label = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    counter = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.label
