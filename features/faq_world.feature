Feature: The FAQ's answers on the FAQ's own world
  The built-in scenario "faq" holds the world the customer FAQ talks about. These
  scenarios load it as it ships, so a demo on `emply-sim serve` shows what they prove.

  Background:
    Given the built-in world "faq"

  @SYNC-6
  Scenario Outline: Megan Jordan, FAQ case <case>: <what happened>
    Given the sync has run 2 times
    When <change>
    And the sync runs
    Then Megan Jordan has the roles <roles after>

    Examples:
      | case | what happened                    | change                                                           | roles after                  |
      | a    | nothing                          | nothing changes                                                  | Employee, HR and Manager     |
      | b    | she left the group HR            | Megan Jordan leaves the Entra group "HR"                         | Employee, HR and Manager     |
      | c    | Employee and HR removed in Emply | the roles Employee and HR are taken from Megan Jordan in Emply   | Employee and HR              |
      | d    | group Employee remapped          | the synced group "Employee" is mapped to the role "New employee" | New employee, HR and Manager |

  @SYNC-6
  Scenario: Ray Ross, connected to an employee, keeps his roles whatever happens to groups and mapping
    Given the sync has run 2 times
    When Ray Ross leaves the Entra group "HR"
    And the synced group "Employee" is mapped to the role "New employee"
    And the sync runs
    Then Ray Ross has the roles Employee, HR and Manager
    And Ray Ross is active in Emply

  @SYNC-7
  Scenario: Mads Jensen, an employee without a user account, is reported until he gets one
    When the sync runs
    Then the run reports an error for Mads Jensen saying "account"
    And Emply has no user for Mads Jensen
