/** The seeded catalog (courses and quizzes, read-only at run time): read by every domain module. */
import type { Pool, PoolClient } from 'pg';

export interface Question {
  id: string;
  text: string;
  choices: string[];
  answer: number;
}

export interface QuizRow {
  id: string;
  course_id: string;
  title: string;
  position: number;
  pass_score: number;
  reward_amount: string;
  questions: Question[];
}

export interface CourseRow {
  id: string;
  title: string;
  description: string;
}

export async function listCourses(pool: Pool): Promise<{ courses: CourseRow[]; quizzes: QuizRow[] }> {
  const [courses, quizzes] = await Promise.all([
    pool.query<CourseRow>('SELECT id, title, description FROM courses ORDER BY id'),
    pool.query<QuizRow>('SELECT * FROM quizzes ORDER BY course_id, position'),
  ]);
  return { courses: courses.rows, quizzes: quizzes.rows };
}

export async function findQuiz(db: Pool | PoolClient, quizId: string): Promise<QuizRow | undefined> {
  const { rows } = await db.query<QuizRow>('SELECT * FROM quizzes WHERE id = $1', [quizId]);
  return rows[0];
}

export async function courseExists(db: Pool | PoolClient, courseId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM courses WHERE id = $1', [courseId]);
  return (rowCount ?? 0) > 0;
}
