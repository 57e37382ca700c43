"""Reviewing proposed codings and adding manual ones: decisions files and the review app."""

from casecode.review.annotate import annotate
from casecode.review.decisions import Annotation, Decision, ReviewStatus, read_decisions, review_status, reviewed_only, save_decision

__all__ = ["Annotation", "Decision", "ReviewStatus", "annotate", "read_decisions", "review_status", "reviewed_only", "save_decision"]
