"""Imported by the lead import's fork server (``dialer.importpool``): the tables a worker's
first block would otherwise load in every worker (zipcodes' ZIP codes ~0.3 s, pycountry's
countries and subdivisions), loaded once, before the workers fork."""
from dialer.phonezones import load_tables

load_tables()
