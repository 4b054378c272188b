"""Frames to what people read: charts, maps, the explore and overview views, sentences, slides, the
session report and exports."""
