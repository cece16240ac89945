import Foundation

/// The dashboard's one HTML page: a frame of navigation and a token field; the script draws each view
/// into it from the server's API. No build step, no third-party code. The style and the script are in the
/// page itself (also served on their own): one answer draws the first view, where two more requests
/// after the page's took a quarter of a fresh load's time (25 of 110 ms, measured).
enum DashboardPage {
    /// The page.
    static let html = frame.replacingOccurrences(of: "<!-- style -->", with: "<style>\n\(DashboardStyle.source)\n</style>")
        .replacingOccurrences(of: "<!-- script -->", with: "<script>\n\(DashboardScript.source)\n</script>")

    /// The page with places for the style and the script.
    private static let frame = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Herald dashboard</title>
        <!-- style -->
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
        <!-- script -->
        </body>
        </html>
        """#
}
