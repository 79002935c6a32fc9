"""CRM core: customers, users and the call history, stored in PostgreSQL."""
