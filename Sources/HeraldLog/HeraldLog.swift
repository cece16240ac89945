/// The embedded durable log: Herald's default backend (in progress, issue 3).
enum HeraldLogModule {}
