"""Commands that produce the book's committed results (``python -m vklib.experiments.<name>``)."""
