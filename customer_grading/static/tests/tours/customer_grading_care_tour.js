import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function openCareMenu(entry) {
    return [
        {
            content: "open the Customer Care menu",
            trigger: ".o_menu_sections button:contains('Customer Care')",
            run: "click",
        },
        {
            content: `open ${entry}`,
            trigger: `.o-dropdown--menu .dropdown-item:contains('${entry}')`,
            run: "click",
        },
    ];
}

// A salesperson registers a customer's complaint and resolves it, checks a key
// person's relationship card and records a planned greeting as sent.
registry.category("web_tour.tours").add("customer_grading_care_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Customer Grading",
            trigger: ".o_app[data-menu-xmlid='customer_grading.customer_grading_menu_root']",
            run: "click",
        },
        ...openCareMenu("Complaints"),
        {
            content: "register a complaint",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Care Customer",
        },
        {
            content: "pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Care Customer')",
            run: "click",
        },
        {
            content: "the category",
            trigger: ".o_field_widget[name=category_id] input",
            run: "edit Tour Delivery",
        },
        {
            content: "pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Delivery')",
            run: "click",
        },
        {
            content: "what the customer complains about",
            trigger: ".o_field_widget[name=description] textarea",
            run: "edit The last delivery came two weeks late.",
        },
        {
            content: "save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "start handling it",
            trigger: ".o_statusbar_buttons button:contains('Start')",
            run: "click",
        },
        {
            content: "it is in progress",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "open the Resolution tab",
            trigger: ".o_notebook .nav-link:contains('Resolution')",
            run: "click",
        },
        {
            content: "write the resolution",
            trigger: ".o_field_widget[name=resolution] textarea",
            run: "edit Express delivery at our cost and a new delivery slot.",
        },
        {
            content: "mark it resolved",
            trigger: ".o_statusbar_buttons button:contains('Mark Resolved')",
            run: "click",
        },
        {
            content: "it is resolved",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Resolved')",
        },
        ...openCareMenu("Key Persons"),
        {
            content: "the key person's card is to check",
            trigger: ".o_data_row:contains('Tour Key Person') td.text-warning[name=grading_card_checked_on]",
        },
        {
            content: "check it",
            trigger: ".o_data_row:contains('Tour Key Person') button:contains('Mark Checked')",
            run: "click",
        },
        {
            content: "the card is checked",
            trigger: ".o_data_row:contains('Tour Key Person') td[name=grading_card_checked_on]:not(.text-warning)",
        },
        ...openCareMenu("Care Calendar"),
        {
            content: "the care calendar shows the month",
            trigger: ".o_calendar_view",
        },
        {
            content: "list the planned touches",
            trigger: ".o_calendar_view .o_switch_view.o_list, .o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "open the planned greeting",
            trigger: ".o_list_view .o_data_row td[name=partner_id]:contains('Tour Key Person')",
            run: "click",
        },
        {
            content: "the greeting's form",
            trigger: ".o_form_view .o_field_widget[name=touch_type]",
        },
        {
            content: "it was sent",
            trigger: ".o_statusbar_buttons button:contains('Mark Done')",
            run: "click",
        },
        {
            content: "it is done",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
    ],
});
