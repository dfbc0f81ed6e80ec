import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function openMenu(section, item) {
    return [
        {
            content: `open the ${section} menu`,
            trigger: `.o_menu_sections button:contains('${section}')`,
            run: "click",
        },
        {
            content: `open ${item}`,
            trigger: `.o-dropdown--menu .dropdown-item:contains('${item}')`,
            run: "click",
        },
    ];
}

function addCustomer(name) {
    return [
        {
            content: `grade ${name}`,
            trigger: ".o_field_widget[name=partner_ids] input",
            run: `edit ${name}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains('${name}')`,
            run: "click",
        },
        {
            trigger: `.o_field_widget[name=partner_ids] .o_tag:contains('${name}')`,
        },
    ];
}

// Type a grade into a many2one and pick it once the list shows the matches only.
function chooseGrade(scope, field, grade) {
    const other = grade === "D" ? "A" : "D";
    return [
        {
            content: `choose the grade ${grade}`,
            trigger: `${scope} .o_field_widget[name=${field}] input`,
            run: `edit ${grade}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-menu:not(:has(.o-autocomplete--dropdown-item:contains('${other}'))) .o-autocomplete--dropdown-item:contains('${grade}')`,
            run: "click",
        },
        {
            trigger: `${scope} .o_field_widget[name=${field}] input:value('${grade}')`,
        },
    ];
}

function runState(label) {
    return {
        content: `the run is ${label}`,
        trigger: `.o_form_view .o_statusbar_status .o_arrow_button_current:contains('${label}')`,
    };
}

// A grading manager grades two chosen customers, overrides one grade, submits
// the run for review, approves and publishes it.
registry.category("web_tour.tours").add("customer_grading_run_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Customer Grading",
            trigger: ".o_app[data-menu-xmlid='customer_grading.customer_grading_menu_root']",
            run: "click",
        },
        ...openMenu("Grading", "Grading Runs"),
        {
            content: "create a run",
            trigger: ".o_control_panel button.o_list_button_add:contains('New')",
            run: "click",
        },
        {
            content: "choose the customers",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Customers')",
            run: "click",
        },
        ...addCustomer("Tour Run Alpha"),
        ...addCustomer("Tour Run Beta"),
        {
            content: "compute the run",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Compute')",
            run: "click",
        },
        runState("Computed"),
        {
            content: "open the results",
            trigger: ".o_form_view .oe_stat_button:contains('Results'):contains('2')",
            run: "click",
        },
        {
            content: "unfold the customers graded B",
            trigger: ".o_group_header:contains('B (1)')",
            run: "click",
        },
        {
            content: "open a customer's result",
            trigger: ".o_data_row td:contains('Tour Run Beta')",
            run: "click",
        },
        {
            content: "override the grade",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Override Grade')",
            run: "click",
        },
        ...chooseGrade(".modal", "level_id", "A"),
        {
            content: "give the reason",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Strategic account signed for three years.",
        },
        {
            trigger: ".modal .modal-footer button:contains('Override')",
            run: "click",
        },
        {
            content: "the result shows the override and its reason",
            trigger: ".o_form_view:not(:has(.modal)):contains('Strategic account signed for three years.')",
        },
        {
            content: "back to the run, through the breadcrumb",
            trigger: ".o_breadcrumb .breadcrumb-item:has(+ .breadcrumb-item:contains('Grading Results')) a",
            run: "click",
        },
        {
            content: "submit the run for review",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Submit for Review')",
            run: "click",
        },
        runState("In Review"),
        {
            content: "approve and publish",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Approve & Publish')",
            run: "click",
        },
        {
            content: "confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        runState("Published"),
    ],
});

// A salesperson appeals a customer's published grade from its Grading tab.
registry.category("web_tour.tours").add("customer_grading_appeal_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Customer Grading",
            trigger: ".o_app[data-menu-xmlid='customer_grading.customer_grading_menu_root']",
            run: "click",
        },
        {
            content: "open the customers",
            trigger: ".o_menu_sections .o_nav_entry:contains('Customers')",
            run: "click",
        },
        {
            content: "open the customer",
            trigger: ".o_data_row td:contains('Tour Run Alpha')",
            run: "click",
        },
        {
            content: "open the Grading tab",
            trigger: ".o_notebook .nav-link:contains('Grading')",
            run: "click",
        },
        {
            content: "appeal the grade",
            trigger: ".o_form_view button:contains('Appeal the Grade')",
            run: "click",
        },
        ...chooseGrade(".o_form_view", "requested_level_id", "B"),
        {
            content: "give the reason",
            trigger: ".o_form_view .o_field_widget[name=reason] textarea",
            run: "edit Two framework orders were signed last week.",
        },
        {
            content: "submit the appeal",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Submit')",
            run: "click",
        },
        runState("Submitted"),
    ],
});

// A grading manager accepts the appeal.
registry.category("web_tour.tours").add("customer_grading_appeal_decision_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Customer Grading",
            trigger: ".o_app[data-menu-xmlid='customer_grading.customer_grading_menu_root']",
            run: "click",
        },
        ...openMenu("Grading", "Appeals"),
        {
            content: "open the appeal",
            trigger: ".o_data_row td:contains('Tour Run Alpha')",
            run: "click",
        },
        {
            content: "write the decision",
            trigger: ".o_form_view .o_field_widget[name=decision] textarea",
            run: "edit The signed orders justify grade B.",
        },
        {
            content: "accept the appeal",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Accept')",
            run: "click",
        },
        {
            content: "confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        runState("Accepted"),
    ],
});
