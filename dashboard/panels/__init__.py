"""One module per part of the page; each draws results it is given and queries nothing."""
