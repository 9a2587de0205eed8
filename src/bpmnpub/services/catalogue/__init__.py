"""The office's catalogue: information categories, each fiscal year's ITA/OIT items, and which O items a
published item answers."""
