"""The public portal: publishing items, publishers' management of them, the public pages and search, the
ITA/OIT index, and the office's WordPress kept in step."""
