"""Secret scanning on detect-secrets' engine: its plugins and filters, clearance's token rules
(as detect-secrets plugins), false-alarm filters, and a prefiltered, parallel scan of work
trees, staged blobs, diffs and history."""
