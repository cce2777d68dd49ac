"""Publishing: the summary page and its charts, the data dictionary, the download zip, releases."""
