# Django's Bulgarian formats define the thousands separator (a non-breaking space) but no
# grouping, so 27000 stayed "27000" while Polish and Russian showed "27 000". Bulgarian groups
# thousands by three with a space as well.
NUMBER_GROUPING = 3
