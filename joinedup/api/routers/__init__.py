"""One router per app; ``joinedup.api.api`` mounts them."""
