"""OAuth scopes per operation: the granular scope from the spec plus the classic equivalents."""

from __future__ import annotations

SPACE = ("read:space:confluence", "read:confluence-space.summary")
PAGE = ("read:page:confluence", "read:confluence-content.all", "read:confluence-content.summary")
COMMENT = ("read:comment:confluence", "read:confluence-content.all")
ATTACHMENT = ("read:attachment:confluence", "read:confluence-content.all")
LABEL = ("read:label:confluence", "read:confluence-content.all")
METADATA = ("read:content.metadata:confluence", "read:confluence-content.summary")
SEARCH = ("search:confluence", "read:content-details:confluence")
