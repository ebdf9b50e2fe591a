"""Pure input checks with real rules; nothing here touches the database or a provider."""
