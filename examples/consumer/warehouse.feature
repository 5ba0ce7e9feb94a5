Feature: Warehouse staff at Fabrikam
  Our own scenarios, on the emply-sim step library: other people, other groups,
  other roles than the FAQ's.

  Background:
    Given the Entra tenant "Fabrikam" with the domain fabrikam.dk
    And the Entra users:
      | name       | job title       |
      | Kim Larsen | Picker          |
      | Sara Lund  | Forklift driver |
    And the Entra groups:
      | group       | members               |
      | Warehouse   | Kim Larsen, Sara Lund |
      | Shift leads | Sara Lund             |
    And the integration syncs these groups:
      | group       | role       | department | language |
      | Warehouse   | Picker     | Logistics  | da       |
      | Shift leads | Shift lead | Logistics  | en       |
    And the setting "update roles after first sync" is on

  @SYNC-6 @SYNC-12
  Scenario: New warehouse staff get their roles and the first group's defaults
    When the sync runs
    Then Sara Lund has the roles Picker and Shift lead
    And Sara Lund's language in Emply is "da"
    And Sara Lund's department in Emply is "Logistics"

  @SYNC-3 @SYNC-8
  Scenario: Leaving the warehouse group deactivates
    Given the sync has run
    When Kim Larsen leaves the Entra group "Warehouse"
    And the sync runs
    Then Kim Larsen is deactivated with the reason "left_synced_groups"
    And Sara Lund is active in Emply
