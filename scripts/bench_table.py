"""The benchmark's printed table (``make bench``): one line per figure."""


def _publication_figures(policies, key):
    figures = policies[key]
    text = f"{figures['seconds']:.2f} s, {figures['queries']:,} queries"
    if key == "without":
        return text
    ratio = figures["seconds"] / policies["without"]["seconds"]
    return f"{text} ({ratio:.2f} ×; {figures['changed']:,} customers' terms written)"


def _dashboard_figures(dashboard):
    return {name: value for name, value in dashboard.items() if name not in ("total", "queries")}


def report(args, figures, load_seconds):
    visits = figures["visits"]
    full, floor, single, cron = (
        figures["full"],
        figures["floor"],
        figures["single"],
        figures["cron"],
    )
    customers = full["customers"]
    rows = [
        ("customers graded (company 1)", f"{customers:,}"),
        (
            "posted invoice lines / reconciled payments / orders",
            f"{figures['invoice_lines']:,} / {figures['payments']:,} / {figures['orders']:,}",
        ),
        ("data load (SQL bulk, VACUUM ANALYZE)", f"{load_seconds:.1f} s"),
        ("full run: compute + store + review + publish", f"{full['seconds']:.2f} s"),
        (
            "publication (approve) of the run",
            f"{full['publish']['seconds']:.2f} s, {full['publish']['queries']:,} queries",
        ),
        (
            "publication of the period graded again, without grade policies",
            _publication_figures(figures["policies"], "without"),
        ),
        (
            "  with grade policies changing every customer's terms (worst case)",
            _publication_figures(figures["policies"], "every customer"),
        ),
        (
            "  with grade policies, grade B's credit limit changed",
            _publication_figures(figures["policies"], "one grade"),
        ),
        (
            "full run: SQL queries",
            f"{full['queries']:,} ({1000 * full['queries'] / customers:.1f} per 1,000 customers)",
        ),
        (
            "full run: compute alone",
            f"{full['compute_seconds']:.2f} s, {full['compute_queries']:,} queries",
        ),
        *(
            (
                f"what-if preview over all customers ({name}): time, queries",
                f"{preview['seconds']:.2f} s ({preview['seconds'] / full['compute_seconds']:.2f}"
                f" × compute), {preview['queries']:,} queries; {preview['changed']:,} of "
                f"{preview['customers']:,} would change grade; "
                f"{'WROTE' if preview['wrote'] else 'wrote nothing'}",
            )
            for name, preview in (
                ("standard scheme", figures["preview"]),
                ("RFM preset", figures["preview_rfm"]),
            )
        ),
        (
            "full run: peak memory of the process",
            f"{full['peak_mb']:.0f} MB (before the run: {full['peak_before_mb']:.0f} MB)",
        ),
        (
            "Excel export of the run (manager): time, peak memory above the process",
            f"{figures['export']['seconds']:.2f} s, {figures['export']['queries']} queries, "
            f"{figures['export']['extra_mb']:.0f} MB"
            f"{'' if figures['export']['peak_reset'] else ' (upper bound)'}, "
            f"file {figures['export']['file_mb']:.1f} MB",
        ),
        ("floor: one grouped SQL statement", f"{floor['seconds']:.2f} s"),
        ("ratio run / floor", f"{full['seconds'] / floor['seconds']:.1f}"),
        (
            "run = floor, customers checked / mismatches",
            f"{figures['checked']} / {figures['mismatches']}",
        ),
        (
            "same run by a manager without sales or accounting rights: mismatches",
            f"{figures['other_user_mismatches']}",
        ),
        ("one customer on demand", f"{single['seconds']:.3f} s, {single['queries']} queries"),
        (
            "customers list, 80 rows with grades",
            f"{figures['list']['queries']} queries ({figures['list_20']['queries']} for 20 rows)",
        ),
        ("customer form with its Grading page", f"{figures['form']['queries']} queries"),
        (
            "scheduled action: batches / slowest batch",
            f"{cron['batches']} / {cron['slowest']:.2f} s",
        ),
        ("scheduled action: total", f"{cron['seconds']:.2f} s, {cron['queries']:,} queries"),
        (
            "background publication: request / batches / slowest batch / total",
            f"{figures['background']['request']:.2f} s / {figures['background']['batches']}"
            f" / {figures['background']['slowest']:.2f} s / {figures['background']['seconds']:.2f}"
            f" s, {figures['background']['queries']:,} queries"
            f" ({figures['background']['state']})",
        ),
        (
            "daily visit action: customers owing visits / behind",
            f"{visits['rows']:,} / {visits['behind']:,}",
        ),
        (
            "daily visit action: overview + reminders, steps / slowest step / total",
            f"{visits['steps']} / {visits['slowest']:.2f} s / {visits['seconds']:.2f} s, "
            f"{visits['queries']:,} queries (next day, reminders open: "
            f"{visits['again_seconds']:.2f} s, slowest step {visits['again_slowest']:.2f} s)",
        ),
        (
            "receivables reviews prepared: customers listed, steps / slowest step / total",
            f"{figures['reviews']['lines']:,}, {figures['reviews']['steps']} / "
            f"{figures['reviews']['slowest']:.2f} s / {figures['reviews']['seconds']:.2f} s, "
            f"{figures['reviews']['queries']:,} queries",
        ),
        (
            "dashboard: every figure read by a manager (slowest figure)",
            f"{figures['dashboard']['total']:.2f} s, {figures['dashboard']['queries']} queries "
            f"({max(_dashboard_figures(figures['dashboard']).items(), key=lambda i: i[1])[0]}: "
            f"{max(_dashboard_figures(figures['dashboard']).values()):.2f} s)",
        ),
    ]
    width = max(len(label) for label, _value in rows)
    print()
    print(f"customer_grading benchmark — {args.customers:,} customers")
    print("-" * (width + 40))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(
        "dashboard figures:",
        ", ".join(
            f"{name} {sec:.2f} s" for name, sec in _dashboard_figures(figures["dashboard"]).items()
        ),
    )
    if figures["mismatch_examples"]:
        print("mismatch examples:", figures["mismatch_examples"])
