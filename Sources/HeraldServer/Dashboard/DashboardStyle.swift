/// The dashboard's style sheet.
enum DashboardStyle {
    /// The CSS.
    static let source = #"""
        :root { --ink: #1d2330; --muted: #667085; --line: #d9dee7; --accent: #2f5bea; --bad: #c0362c; --good: #1f7a4d; --bg: #f6f7f9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
        header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; }
        .brand { font-size: 1.1rem; }
        nav { display: flex; gap: .9rem; flex: 1; }
        nav a { color: var(--muted); text-decoration: none; padding: .2rem 0; }
        nav a.active { color: var(--accent); border-bottom: 2px solid var(--accent); }
        main { padding: 1rem 1.2rem; }
        h1 { font-size: 1.2rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1rem; margin: 1.4rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.group td:first-child { padding-left: 1.8rem; color: var(--muted); }
        tr.clickable { cursor: pointer; }
        tr.clickable:hover { background: #eef2ff; }
        .cards { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
        .card { background: #fff; border: 1px solid var(--line); padding: .6rem 1rem; min-width: 10rem; }
        .card .value { font-size: 1.5rem; font-variant-numeric: tabular-nums; }
        .card .label { color: var(--muted); font-size: .8rem; }
        form.inline { display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; margin-bottom: 1rem; }
        label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
        input, select, textarea, button { font: inherit; }
        input, select, textarea { padding: .3rem .45rem; border: 1px solid var(--line); background: #fff; }
        button { padding: .32rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        #notice { margin: .8rem 1.2rem 0; padding: .5rem .8rem; border: 1px solid var(--line); background: #fff; }
        #notice.error { border-color: var(--bad); color: var(--bad); }
        #notice.ok { border-color: var(--good); color: var(--good); }
        pre { background: #fff; border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 28rem; }
        .muted { color: var(--muted); }
        .pill { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .78rem; background: #eef0f4; }
        .pill.bad { background: #fde8e6; color: var(--bad); }
        .pill.good { background: #e3f4ea; color: var(--good); }
        svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
        .split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; }
        .timeline td.bar { width: 40%; }
        """#
}
