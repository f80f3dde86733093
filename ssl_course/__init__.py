"""ssl_course: self-supervised learning without contrastive pairs, runnable."""
