"""The model in one call, between the stored records and the rules: what was known at a moment
(:mod:`.snapshot`) and which figures a viewer may see (:mod:`.audience`)."""
from .snapshot import (Snapshot, clip, disagreements, gap_table, latest_complete_month, previous, reporting,
                       sectors, series, session_moment, take_snapshot, take_snapshot_for)

__all__ = ["Snapshot", "clip", "disagreements", "gap_table", "latest_complete_month", "previous", "reporting",
           "sectors", "series", "session_moment", "take_snapshot", "take_snapshot_for"]
