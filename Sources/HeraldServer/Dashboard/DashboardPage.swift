/// The dashboard's one HTML page: a frame of navigation and a token field; the script draws each view
/// into it from the server's API. No build step, no third-party code.
enum DashboardPage {
    /// The page.
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Herald dashboard</title>
        <link rel="stylesheet" href="/dashboard/style.css">
        </head>
        <body>
        <header>
          <strong class="brand">Herald</strong>
          <nav>
            <a href="#/overview" data-view="overview">Overview</a>
            <a href="#/events" data-view="events">Events</a>
            <a href="#/deadletters" data-view="deadletters">Dead letters</a>
            <a href="#/groups" data-view="groups">Groups</a>
            <a href="#/flow" data-view="flow">Flow map</a>
            <a href="#/trace" data-view="trace">Trace</a>
          </nav>
          <form id="token-form" autocomplete="off">
            <input id="token" type="password" placeholder="access token" aria-label="access token">
            <button type="submit">Use token</button>
          </form>
        </header>
        <div id="notice" role="status" hidden></div>
        <main id="view" data-loaded="false"></main>
        <script src="/dashboard/app.js"></script>
        </body>
        </html>
        """#
}
