import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A salesperson opens one of their customers, reads its Grading tab, enters a
// manual indicator value and records a visit.
registry.category("web_tour.tours").add("customer_grading_customer_tour", {
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
            trigger: ".o_data_row td:contains('Tour Customer')",
            run: "click",
        },
        {
            content: "open the Grading tab",
            trigger: ".o_notebook .nav-link:contains('Grading')",
            run: "click",
        },
        {
            content: "the grade in force",
            trigger: ".o_inner_group:contains('Current Grade') .o_field_widget[name=grading_level_id]:contains('C')",
        },
        {
            content: "the points to the next grade",
            trigger: ".o_inner_group:contains('Points to Next Grade') .o_field_widget[name=grading_points_to_next_level]:contains('9.00')",
        },
        {
            content: "the breakdown names the indicators",
            trigger: ".o_field_widget[name=grading_line_ids] .o_data_row:contains('Quality')",
        },
        {
            content: "add a manual indicator value",
            trigger: ".o_field_widget[name=grading_value_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "choose the indicator",
            trigger: ".o_field_widget[name=grading_value_ids] .o_selected_row .o_field_widget[name=indicator_id] input",
            run: "edit Potential",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Potential')",
            run: "click",
        },
        {
            content: "enter the value",
            trigger: ".o_field_widget[name=grading_value_ids] .o_selected_row .o_field_widget[name=value] input",
            run: "edit 90",
        },
        ...stepUtils.saveForm(),
        {
            content: "plan a visit to the customer",
            trigger: ".o_form_view button:contains('Plan a Visit')",
            run: "click",
        },
        {
            content: "the visit is to the customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value('Tour Customer')",
        },
        {
            content: "write what was discussed",
            trigger: ".o_form_view .o_field_widget[name=actual_content] textarea",
            run: "edit Discussed the next season's orders.",
        },
        {
            content: "the visit took place",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Mark Done')",
            run: "click",
        },
        {
            content: "the visit is done",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
    ],
});
