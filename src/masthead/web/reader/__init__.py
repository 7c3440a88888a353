"""Pages for readers: timelines and the live feed, channels, posts with their corrections and reports, and
notifications."""
from __future__ import annotations

from masthead.web.reader import channels, notifications, posts, timelines
from masthead.web.reader.filters import install_filters

install_filters()

PAGES = [*timelines.PAGES, *channels.PAGES, *posts.PAGES, *notifications.PAGES]
