"""What a build hands out: wheels and sdists, their metadata, tag, layout and notices."""
